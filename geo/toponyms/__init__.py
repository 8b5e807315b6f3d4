"""toponyms"""
