// Filling a survey: follows the skip logic (跳题) of single-choice options — the questions a jump passes
// over, or that come after "结束问卷", are hidden and their inputs disabled (so they are not sent). The
// server applies the same rule (app/surveys/definition.py) and does not rely on this script.
(() => {
  const form = document.getElementById('survey-form');
  if (!form) return;
  const questions = [...form.querySelectorAll('[data-question]')];
  const update = () => {
    const reached = new Set();
    let index = 0;
    while (index < questions.length) {
      const question = questions[index];
      reached.add(question);
      index += 1;
      if (question.dataset.kind !== 'single') continue;
      const picked = question.querySelector('input[type="radio"]:checked');
      const jump = picked ? picked.dataset.jump : '';
      if (jump === 'end') break;
      if (jump) index = questions.findIndex((q) => q.dataset.question === jump);
    }
    for (const question of questions) {
      const shown = reached.has(question);
      question.hidden = !shown;
      question.disabled = !shown;
    }
  };
  form.addEventListener('change', update);
  update();
})();
