from django.urls import path

from . import views

app_name = "lessons"
urlpatterns = [
    path("", views.index, name="index"),
    path("deep-dive/", views.deep_dive, name="deep_dive"),
    path("steps/", views.steps, name="steps"),
    path("steps/<int:step>/", views.step, name="step"),
    path("steps/<int:step>/predict/", views.predict, name="predict"),
    path("steps/<int:step>/read/", views.mark_read, name="mark_read"),
    path("steps/<int:step>/test-out/", views.test_out, name="test_out"),
    path("worked/<int:step>/", views.worked, name="worked"),
    path("myths/", views.myths, name="myths"),
    path("myths/<slug:key>/", views.answer_myth, name="answer_myth"),
    path("quiz/", views.quiz_index, name="quiz_index"),
    path("quiz/question/<slug:key>/", views.answer_question, name="answer_question"),
    path("quiz/<slug:slug>/", views.quiz, name="quiz"),
    path("review/", views.review_queue, name="review"),
    path("review/<str:kind>/<slug:key>/", views.review_answer, name="review_answer"),
    path("visual/", views.visual, name="visual"),
    path("try-it/", views.try_it, name="try_it"),
    path("cheat-sheet/", views.cheat_sheet, name="cheat_sheet"),
    path("progress/", views.progress_page, name="progress"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/read/", views.mark_part_read, name="mark_part_read"),
]
