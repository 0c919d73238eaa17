"""(package map: written below)"""
