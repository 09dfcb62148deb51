"""Showing class results: charts, the offline HTML report and the dashboard."""
