"""Threshold alerts: rules over KPI values, evaluated hourly, posted when they change."""
