// Every console area registers its own pages and menu entries in a module of this folder
// (routes/<area>.ts exporting `area`), so areas are added without touching the router or the
// layout. Menu entries show in `order`.
import type { RouteRecordRaw } from "vue-router";

export interface MenuEntry {
  path: string;
  title: string;
  order: number;
}

export interface Area {
  routes: RouteRecordRaw[];
  menu: MenuEntry[];
}

const modules = import.meta.glob<{ area: Area }>("./*.ts", { eager: true });

export const areas: Area[] = Object.entries(modules)
  .filter(([name]) => name !== "./index.ts")
  .map(([, module]) => module.area);

export const menu: MenuEntry[] = areas.flatMap((area) => area.menu).sort((a, b) => a.order - b.order);
export const pages: RouteRecordRaw[] = areas.flatMap((area) => area.routes);
