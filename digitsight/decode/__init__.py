"""Reading a line of digit candidates: where to cut touching digits, and which reading to choose."""
