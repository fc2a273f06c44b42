"""The pages of profiles, by subject: accounts (the log-in pages, API tokens), notifications and
conversations (direct messages, blocks). A person's page and settings show their posts,
communities and interests (tags): communities.views.people serves them."""
