"""The Dash dashboard: pages, services, figures and the access-control layer."""
