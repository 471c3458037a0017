"""The Landscape: balls, one per optimizer, racing on a 2-D loss surface."""
