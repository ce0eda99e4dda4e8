-- Dispatch claims due messages one sending number at a time (the number's lease holder).
CREATE INDEX outbox_number ON outbox (phone_number_id, state, id);
