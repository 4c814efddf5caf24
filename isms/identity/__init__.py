"""Departments (Organisationseinheiten), users and their roles."""
