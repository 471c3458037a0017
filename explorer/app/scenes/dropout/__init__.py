"""Dropout: the thinned network of each mini-batch, the scaling conventions, the ensemble."""
