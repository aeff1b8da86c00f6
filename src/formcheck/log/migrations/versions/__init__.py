"""Named migration scripts, applied in order by :func:`formcheck.log.db.migrate`."""
