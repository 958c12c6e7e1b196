SELECT COUNT(*) AS with_notes, COUNT(notes) AS counted FROM orders WHERE notes IS NOT NULL
