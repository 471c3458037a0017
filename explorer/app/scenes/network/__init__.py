"""The Network lab: a real PyTorch net trains live in a worker process."""
