"""The network's member roster, and who registers at a member's price."""
