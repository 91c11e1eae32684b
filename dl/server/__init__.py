"""`dl sql-server`: the MySQL protocol over dl's SQL sessions, one session per connection.

The protocol (handshake, mysql_native_password, text and binary protocol, prepared
statements) is mysql-mimic's; dl adds a session that sends statements straight to dl's own
`Session` (`session`), result columns typed from Arrow (`results`), MySQL's error numbers and
SQLSTATEs (`errors`), the connection fixes libmysqlclient needs (`protocol`), the listener with
its limits, logging and signal handling (`listener`) and Dolt's config file (`config`).
Nothing here is imported by the other commands: `dl status` stays cheap.
"""
