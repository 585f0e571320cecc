app_name = "flashcards"
urlpatterns: list = []
