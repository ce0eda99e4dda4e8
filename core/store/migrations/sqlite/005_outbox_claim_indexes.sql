-- Claims go one sending number at a time (Outbox::claim), through outbox_number
-- (phone_number_id, state, id). The (state, id) and (state, lease_expires_at) indexes served
-- claims across all numbers, which nothing makes any more; each cost two index-entry moves per
-- message on every state change (queued -> sending -> sent). Looking for expired leases of a
-- number reads only that number's rows in `sending`: the messages it has in flight.
DROP INDEX outbox_claim;
DROP INDEX outbox_leases;
