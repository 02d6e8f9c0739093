// Exits at start like an app missing a setting: one stderr line, exit 1.
process.stderr.write('listening needs DATABASE_URL: it is not set\n');
process.exit(1);
