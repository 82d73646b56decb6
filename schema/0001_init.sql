-- Settings of the installation that are not secret (site-wide salts live with the vault tables).
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
INSERT INTO meta (key, value) VALUES ('created_at', strftime('%s', 'now'));
