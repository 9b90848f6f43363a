"""The meeting's attendance register and quorum: who came, when, and whether enough did.

A room of its own: its models never import views, and nothing in it knows about
ballots beyond the item a quorum was taken for (the register holds no vote times).
"""
