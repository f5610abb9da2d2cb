// Todos: list (with the filters in the URL), create, edit, complete, delete. Changes made on
// another page arrive as `todo` events and reload the list.
import { api, clearErrors, showErrors } from './api.js'
import { el, fromLocalInput, reconcile, toLocalInput, when } from './format.js'

export function createTodos ({ getFilters, setFilters }) {
  const list = document.getElementById('todo-list')
  const summary = document.getElementById('todo-summary')
  const newForm = document.getElementById('new-todo')
  const filterForm = document.getElementById('filters')
  let editing = null // id of the todo whose edit form is open: a reload keeps it open

  let latest = 0 // answers to older loads that arrive late are dropped
  let shownFilters // the filters last written into the form
  async function load () {
    const mine = ++latest
    const filters = getFilters()
    // Only when the filters changed (navigation, back/forward): a live reload must not wipe what
    // someone is typing into the form.
    if (JSON.stringify(filters) !== shownFilters) {
      shownFilters = JSON.stringify(filters)
      filterForm.elements.completed.value = filters.completed ?? ''
      filterForm.elements.window.value = filters.window ?? ''
    }
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== undefined && v !== ''))
    try {
      const todos = await api('GET', `/todos${query.size ? `?${query}` : ''}`)
      if (mine !== latest) return
      clearErrors(filterForm)
      render(todos)
    } catch (error) {
      showErrors(filterForm, error)
    }
  }

  function render (todos) {
    summary.textContent = todos.length === 0 ? 'No todos match.' : `${todos.length} todo${todos.length === 1 ? '' : 's'}`
    reconcile(list, todos, {
      key: (todo) => todo.id,
      signature: (todo) => JSON.stringify([todo, editing === todo.id]),
      build: item
    })
  }

  function item (todo) {
    const li = el('li', { class: `todo${todo.completed ? ' done' : ''}`, 'data-todo-id': todo.id })
    const box = el('input', {
      type: 'checkbox',
      id: `todo-${todo.id}-done`,
      checked: todo.completed,
      onchange: () => save(todo.id, { completed: box.checked }, null)
    })
    li.append(
      box,
      el('div', {},
        el('label', { for: `todo-${todo.id}-done`, class: 'title', text: todo.title }),
        todo.description ? el('div', { class: 'desc', text: todo.description }) : null,
        el('div', { class: 'meta', text: `${todo.deadline_at ? `Due ${when(todo.deadline_at)}` : 'No deadline'}${todo.completed ? ' · completed' : ''}` })
      ),
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${todo.title}`, text: 'Edit', onclick: () => { editing = todo.id; load() } }),
        el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${todo.title}`, text: 'Delete', onclick: () => remove(todo) })
      )
    )
    if (editing === todo.id) return editItem(todo)
    return li
  }

  function editItem (todo) {
    const id = (name) => `edit-${todo.id}-${name}`
    const form = el('form', { novalidate: true, 'aria-label': `Edit ${todo.title}` },
      field(id('title'), 'Title', el('input', { id: id('title'), name: 'title', value: todo.title, maxlength: 80, required: true, 'aria-describedby': `${id('title')}-error` }), 'title'),
      field(id('description'), 'Description', el('input', { id: id('description'), name: 'description', value: todo.description ?? '', maxlength: 120, 'aria-describedby': `${id('description')}-error` }), 'description'),
      field(id('deadline'), 'Deadline (your local time)', el('input', { id: id('deadline'), name: 'deadline_at', type: 'datetime-local', value: toLocalInput(todo.deadline_at), 'aria-describedby': `${id('deadline')}-error` }), 'deadline_at'),
      el('p', { class: 'error', 'data-error-for': '', role: 'alert' }),
      el('div', { class: 'actions' },
        el('button', { type: 'submit', text: 'Save' }),
        el('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => { editing = null; load() } })
      )
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const f = form.elements
      save(todo.id, { title: f.title.value, description: f.description.value || null, deadline_at: fromLocalInput(f.deadline_at.value) }, form)
    })
    const li = el('li', { class: 'todo', 'data-todo-id': todo.id }, form)
    queueMicrotask(() => form.elements.title.focus())
    return li
  }

  async function save (id, patch, form) {
    try {
      await api('PUT', `/todos/${id}`, patch)
      editing = null
      await load()
    } catch (error) {
      if (form) showErrors(form, error)
      else summary.textContent = `Could not save: ${error.message}`
    }
  }

  async function remove (todo) {
    try {
      await api('DELETE', `/todos/${todo.id}`)
      await load()
      summary.textContent = `Deleted “${todo.title}”. ${summary.textContent}`
    } catch (error) {
      summary.textContent = `Could not delete: ${error.message}`
    }
  }

  newForm.addEventListener('submit', async (event) => {
    event.preventDefault()
    const f = newForm.elements
    const body = { title: f.title.value }
    if (f.description.value) body.description = f.description.value
    if (f.deadline_at.value) body.deadline_at = fromLocalInput(f.deadline_at.value)
    try {
      await api('POST', '/todos', body)
      clearErrors(newForm)
      newForm.reset()
      f.title.focus()
      await load()
    } catch (error) {
      showErrors(newForm, error)
    }
  })

  filterForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const f = filterForm.elements
    setFilters({ completed: f.completed.value || undefined, window: f.window.value.trim() || undefined })
  })
  filterForm.elements.completed.addEventListener('change', () => filterForm.requestSubmit())

  return { load }
}

function field (id, label, input, name) {
  return el('div', { class: 'field' },
    el('label', { for: id, text: label }),
    input,
    el('p', { id: `${id}-error`, class: 'error', 'data-error-for': name })
  )
}
