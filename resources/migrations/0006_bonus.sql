-- 0006: bonus points, kept in thousandths so that awards, removals and redemptions add up
-- exactly (the API shows points with three decimals).
ALTER TABLE users ADD COLUMN bonus_millipoints INTEGER NOT NULL DEFAULT 0;
