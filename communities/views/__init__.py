"""The pages of communities, by subject: posts (and the home page), communities (the directory,
a community, discussions, proposals, the charter), founding a community, areas, search (and the
recent posts), editing (one's own words and their history) and people (a person's page,
settings, one's data and account)."""
