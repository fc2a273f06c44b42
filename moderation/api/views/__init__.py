"""The moderators' API views, by subject: community (a community's review queue, its log and
every moderator's action; content holds its actions on posts, discussions and replies), reports,
suggestions (the matcher's), site (staff's log, actions and site bans) and areas. base holds what
they share."""
