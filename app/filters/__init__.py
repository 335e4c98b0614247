"""What a page reads for: the sidebar's shared filters, the Call Report's own, their URL form and the run's scope."""
