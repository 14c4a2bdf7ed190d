-- +goose Up
-- The CEP model each territory runs — the 2014 three-level model (arrêté du 16 juillet
-- 2014) or the 2019 two-level model (arrêté du 29 mars 2019) — is the column
-- territories.cep_model that migration 10 added (default 2014). This migration only
-- makes sure no territory is left without one.
UPDATE territories SET cep_model = '2014' WHERE cep_model IS NULL OR cep_model NOT IN ('2014', '2019');

-- +goose Down
SELECT 1;
