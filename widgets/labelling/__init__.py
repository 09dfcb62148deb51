"""What a learner uses while reading: the label model, keys, the panel, the label store, self-check."""
