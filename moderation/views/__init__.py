"""The moderators' pages, by subject: queues (a community's review queue, the site's, a match
run's progress), logs (the moderation log, in full for moderators and public for the rest),
actions (every action of the queues, carried out from one table: action_table), people (site
bans) and reports (the report form anyone signed in fills in).

Each action is a plain form posted to its own address, so everything works without JavaScript;
htmx only polls the progress of a match run. The services check permissions, exactly as for the
API: a private community answers 404 to outsiders, 403 to members who do not moderate it.
"""
