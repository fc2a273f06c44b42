"""The pages of communities, by subject: posts (and the home page), communities (the directory,
a community, discussions, proposals, the charter) and people (a person's page, settings)."""
