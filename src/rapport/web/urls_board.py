"""Routes for the deals board (kanban), the Events page and the real-time stream."""

from django.urls import path

from rapport.web.views import board, events, stream

urlpatterns = [
    path("deals/board/", board.board, name="board"),
    path("deals/board/stages/<int:stage_id>/cards/", board.column_cards, name="board-column"),
    path("deals/board/refresh/", board.refresh, name="board-refresh"),
    path("deals/board/<int:deal_id>/move/", board.deal_move, name="board-move"),
    path("deals/board/<int:deal_id>/won/", board.deal_won, name="board-won"),
    path("deals/board/<int:deal_id>/lost/", board.deal_lost, name="board-lost"),
    path("events/", events.event_list, name="events"),
    path("stream/", stream.stream, name="stream"),
]
