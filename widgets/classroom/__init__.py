"""Instructor tools around the lessons: release, solutions, simulated classes, Excel export."""
