"""Usage: each account's figures today and this month, days left, long-term statistics."""
