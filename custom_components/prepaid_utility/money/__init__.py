"""Money at run time: where the ledger lives, the billing cycle, fees, recharges, payments."""
