-- Floats in shortest exact text (the default since PostgreSQL 12, set in
-- case the server's configuration lowers it), and room to sort the rows;
-- for this transaction only.
SELECT set_config('extra_float_digits', '3', true), set_config('work_mem', '256MB', true)
