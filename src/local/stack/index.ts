export * from './errors.js';
export * from './local-stack.js';
export * from './stack-paths.js';
export type { StackPlan, SupervisorState, WorkerState } from './stack-plan.js';
export { requestRoleChange } from './control-socket.js';
export { runSupervisor } from './supervisor.js';
