"""The model of a network's quantities: typed objects, not names to parse."""
