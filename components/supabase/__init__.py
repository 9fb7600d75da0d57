"""Supabase: Management API client, dynamic resources, the SQL security bundle and the database audit."""
