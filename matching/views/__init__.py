"""The matching pages: the matching parts of the post pages (``posts``)."""
