"""Periodic reviews: policies, the tasks the scheduler sends to departments, answers."""
