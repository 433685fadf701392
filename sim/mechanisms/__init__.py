"""One module per mechanism of the monthly step; each is a set of functions over model state."""
