"""A gateway at run time: its bus, its meters, its simulated building, its entities paced."""
