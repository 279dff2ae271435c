/**
 * The H5 and PC pages, one table for both sides: the server serves each path with its shell (title,
 * who may see it: web/pages.ts), the browser bundle draws the page by its name (web/client/main.ts,
 * which must have a renderer for every name here: the type says so).
 */
export type PageRole = 'planner' | 'traveler' | 'guest';

export interface PageDef {
  path: string;
  page: string;
  title: string;
  roles: readonly PageRole[];
}

export const PAGES = [
  { path: '/h5/pool', page: 'pool', title: '抢单池', roles: ['planner'] },
  { path: '/h5/requirements/:id', page: 'requirement', title: '需求详情', roles: ['planner'] },
  { path: '/h5/work-orders', page: 'work-orders', title: '我的工单', roles: ['planner'] },
  { path: '/h5/work-orders/:id', page: 'work-order', title: '工单与方案', roles: ['planner'] },
  { path: '/pc', page: 'pc', title: '抢单工作台', roles: ['planner'] },
  { path: '/pc/work-orders', page: 'pc-work-orders', title: '我的工单 · 工作台', roles: ['planner'] },
  { path: '/pc/work-orders/:id', page: 'pc-work-order', title: '工单与方案 · 工作台', roles: ['planner'] },
  { path: '/h5/trip', page: 'trip', title: '定制我的旅行', roles: ['traveler', 'guest'] },
  { path: '/h5/my/requirements', page: 'my-list', title: '我的定制', roles: ['traveler', 'guest'] },
  { path: '/h5/my/requirements/:id', page: 'my-requirement', title: '需求进度', roles: ['traveler', 'guest'] },
  { path: '/h5/my/data', page: 'my-data', title: '我的数据', roles: ['traveler', 'guest'] },
] as const satisfies readonly PageDef[];

/** Every page the bundle draws: the table's, and the two the server answers with instead (bind, wrong role). */
export type PageName = (typeof PAGES)[number]['page'] | 'bind' | 'wrong-role';
