from django.urls import path

from flashcards import views

app_name = "flashcards"
urlpatterns = [
    path("study/", views.study, name="study"),
    path("study/deck/<int:deck_id>/", views.study_deck, name="study-deck"),
    path("decks/", views.deck_list, name="deck-list"),
    path("decks/<int:deck_id>/", views.deck_detail, name="deck-detail"),
]
