"""Reading a line of digit candidates: where to cut touching digits, which reading to choose, where its digits are.

In the order reading uses them:

- ``cuts``:       candidate cuts through a wide blob, and the best ways to cut it once its pieces are scored
- ``candidates``: each blob whole, cut into pieces or merged with its neighbour (``Piece``, ``Plan``),
                  and the images the nets read, one batch per net
- ``weights``:    the scoring weights (``Weights``), each with why it has its value
- ``scoring``:    a piece's score as one digit or as a pair, and what a reading spells
- ``ctc``:        the chain model's best path and the likelihood of any digit string
- ``search``:     ``choose(candidates, weights)``: each line's best reading
- ``placement``:  each digit's box, confidence and crop in the original image
"""
