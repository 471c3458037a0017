"""Activations: every activation's f and f', Maxout's learned pieces, ReLU's thinner network."""
