"""The torch backend of the network lab: datasets, models, trainer, probes. No pygame here."""
