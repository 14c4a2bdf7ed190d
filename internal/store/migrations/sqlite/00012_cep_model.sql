-- +goose Up
-- The CEP model each territory runs: the 2014 three-level model (arrêté du 16 juillet
-- 2014) or the 2019 two-level model (arrêté du 29 mars 2019). Existing territories keep
-- 2014. (Issue 13's territory management may add the same column: keep one.)
ALTER TABLE territories ADD COLUMN cep_model TEXT NOT NULL DEFAULT '2014'
    CHECK (cep_model IN ('2014', '2019'));

-- +goose Down
ALTER TABLE territories DROP COLUMN cep_model;
