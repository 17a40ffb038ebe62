"""Fault tests: the register on private servers, under load, with crashes, outages and network cuts."""
