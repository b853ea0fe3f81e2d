"""Demo and benchmark data, kept out of the production layers: the book-of-business generator and reference
data (`book_data`), the demo sign-ins and book (`seed`, `book`) and the synthetic benchmark book (`synthetic`).

Only the command line (`portal seed`, and `portal serve`'s demo seeding on first start) and the tests import it;
routers, services, repositories and the domain never do.
"""
