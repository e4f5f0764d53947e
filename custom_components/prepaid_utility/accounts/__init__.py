"""Tenant accounts: their rules, who may see them, and the ledger accounts kept in step."""
