"""What the kit teaches from: the built articles (corpus), the codebook and the answer key."""
