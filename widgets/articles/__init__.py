"""Turning raw article text into the built corpus: cleaning, sentence segmentation, build."""
