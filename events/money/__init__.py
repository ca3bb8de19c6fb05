"""Money: what each seat costs (prices), and what each registration owes and has paid (the ledger)."""
